<aside class="actions job-actions" aria-label="Actions">
  <div class="buttons">
    % if studio.read_only:
    <button type="button" class="btn danger" data-testid="stop-run-button" aria-disabled="true" aria-describedby="stop-reason" title="The server is read-only (--read-only): stopping is disabled"{{!' hidden' if terminal else ''}}>Stop <span class="tag">read-only</span></button>
    % else:
    <button type="button" class="btn danger" data-testid="stop-run-button" data-action="stop" data-url="{{stop_url}}" title="Stop agentv (SIGTERM to its process group)"{{!' hidden' if terminal else ''}}>Stop</button>
    % end
    % if job['run_url']:
    <a class="btn secondary" href="{{job['run_url']}}" data-role="run-link">Back to run {{job['run_id']}}</a>
    % end
    <button type="button" class="btn ghost" data-action="notify" hidden{{!' data-terminal="1"' if terminal else ''}}>Notify me when it ends</button>
  </div>
  % if studio.read_only and not terminal:
  <p class="action-reason" id="stop-reason">The server is read-only (--read-only): stopping is disabled.</p>
  % end
  <div class="alert" role="alert" data-role="action-error" hidden></div>
</aside>
