<aside class="actions" aria-label="Actions" data-job-base="{{bench.job_url('')}}">
% if actions['kind'] == 'active':
%   job = actions['job']
  <div class="active-job" data-status-url="{{actions['status_url'] or ''}}">
    % if job:
    <p class="active-line"><span class="badge job-{{job['status']}}" data-role="job-status">{{job['status']}}</span>
      <a href="{{actions['job_url']}}">Job {{job['id']}}</a>
      <span class="progress-text" data-role="progress-text">{{h.progress_text(job['progress'])}}</span></p>
    <div class="buttons">
      % if studio.read_only:
      <button type="button" class="btn danger" data-testid="stop-run-button" disabled title="The server is read-only (--read-only): stopping is disabled">Stop <span class="tag">read-only</span></button>
      % else:
      <button type="button" class="btn danger" data-testid="stop-run-button" data-action="stop" data-url="{{actions['stop_url']}}" title="Stop agentv (SIGTERM to its process group)">Stop</button>
      % end
      <a class="btn link" href="{{actions['job_url']}}">Open job</a>
    </div>
    % else:
    <p class="active-line"><span class="badge job-running">running</span>
      Another process ({{actions['job_id']}}) is working on this run.</p>
    % end
  </div>
% else:
  % if actions['buttons']:
  <div class="buttons">
    % for b in actions['buttons']:
    <button type="button" class="btn {{'primary' if b['primary'] else 'secondary'}}" data-testid="{{b['testid']}}"
      % if b['body'] is not None:
      data-body="{{b['body']}}"
      % end
      data-action="launch" data-url="{{actions['launch_url']}}" data-command="{{b['command'] or ''}}"
      title="{{b['title']}}"{{!' disabled aria-disabled="true"' if b['disabled'] else ''}}>{{b['label']}}
      % if studio.read_only:
      <span class="tag">read-only</span>
      % end
    </button>
    % end
  </div>
  % reasons = sorted({b['reason'] for b in actions['buttons'] if b['reason']})
  % for reason in reasons:
  <p class="action-reason">Can't launch: {{reason}}</p>
  % end
  % if actions['no_resume']:
  <p class="muted small">Nothing to resume: no execution errors or missing cases.</p>
  % end
  % else:
  <p class="nothing">Nothing to resume — every case completed</p>
  % end
% end
  <div class="alert" role="alert" data-role="action-error" hidden></div>
</aside>
