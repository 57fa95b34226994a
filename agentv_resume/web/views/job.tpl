% rebase('layout.tpl')
% p = job['progress'] or {}
<section class="job" aria-labelledby="job-title" data-status-url="{{status_url}}" data-log-offset="{{log_offset}}" data-terminal="{{'1' if terminal else '0'}}">
  <div class="run-head">
    <div class="run-title">
      <p class="crumbs"><a href="{{bench.jobs_url()}}">Jobs</a> /</p>
      <h1 id="job-title">Job {{job['id']}} <span class="badge job-{{job['status']}}" data-testid="job-status" aria-live="polite">{{job['status']}}</span></h1>
    </div>
    <aside class="actions" aria-label="Actions">
      <div class="buttons">
        % if studio.read_only:
        <button type="button" class="btn danger" data-testid="stop-run-button" disabled title="The server is read-only (--read-only): stopping is disabled"{{!' hidden' if terminal else ''}}>Stop <span class="tag">read-only</span></button>
        % else:
        <button type="button" class="btn danger" data-testid="stop-run-button" data-action="stop" data-url="{{stop_url}}" title="Stop agentv (SIGTERM to its process group)"{{!' hidden' if terminal else ''}}>Stop</button>
        % end
        % if job['run_url']:
        <a class="btn link" href="{{job['run_url']}}" data-role="run-link">Back to run {{job['run_id']}}</a>
        % end
      </div>
      <div class="alert" role="alert" data-role="action-error" hidden></div>
    </aside>
    <div class="run-meta">
      <p class="command"><code>{{job['command']}}</code></p>
      <dl class="meta">
        <div><dt>Run dir</dt><dd><code>{{job['run_dir']}}</code></dd></div>
        <div><dt>Started</dt><dd>{{h.when(job['started_at'])}}</dd></div>
        <div><dt>Finished</dt><dd data-role="finished-at">{{h.when(job['finished_at']) or '—'}}</dd></div>
        <div><dt>Exit code</dt><dd data-role="exit-code">{{job['exit_code'] if job['exit_code'] is not None else '—'}}</dd></div>
      </dl>
    </div>
  </div>
  <div class="progress" data-testid="job-progress" role="progressbar" aria-label="Cases done"
       aria-valuemin="0" aria-valuemax="{{p.get('planned') or 0}}" aria-valuenow="{{p.get('done') or 0}}" aria-valuetext="{{h.progress_text(p)}}">
    % if p.get('planned'):
    <progress max="{{p['planned']}}" value="{{p.get('done') or 0}}" aria-hidden="true"></progress>
    % else:
    <progress aria-hidden="true"></progress>
    % end
    <span class="progress-text" data-role="progress-text">{{h.progress_text(p)}}</span>
  </div>
  % if job.get('log_error'):
  <p class="warnings">{{job['log_error']}}</p>
  % end
  <h2 class="log-title">Output</h2>
  <pre class="log" data-testid="job-log" tabindex="0" aria-label="agentv output">{{log}}</pre>
</section>
