<aside class="actions" aria-label="Actions" data-job-base="{{bench.job_url('')}}">
% include('run_warnings.tpl')
% if actions['kind'] == 'active':
%   job = actions['job']
  <div class="active-job" data-status-url="{{actions['status_url'] or ''}}" data-events-url="{{actions.get('events_url') or ''}}">
    % if job:
    <p class="active-line"><span class="badge tone-live job-{{job['status']}}" data-role="job-status">{{job['status']}}</span>
      <a href="{{actions['job_url']}}">Open the job</a>
      <span class="progress-text" data-role="progress-text">{{h.progress_text(job['progress'])}}</span></p>
    <div class="buttons">
      % if studio.read_only:
      <button type="button" class="btn danger" data-testid="stop-run-button" aria-disabled="true" aria-describedby="stop-reason" title="The server is read-only (--read-only): stopping is disabled">Stop <span class="tag">read-only</span></button>
      <p class="action-reason" id="stop-reason">The server is read-only (--read-only): stopping is disabled.</p>
      % else:
      <button type="button" class="btn danger" data-testid="stop-run-button" data-action="stop" data-url="{{actions['stop_url']}}" title="Stop agentv (SIGTERM to its process group)">Stop</button>
      % end
    </div>
    % else:
    <p class="active-line"><span class="badge tone-live">running</span>
      Another process ({{actions['job_id']}}) is working on this run.</p>
    % end
  </div>
% else:
  % if actions['buttons']:
  % reasons = sorted({b['reason'] for b in actions['buttons'] if b['reason']})
  % reason_id = {r: 'reason-%d' % n for n, r in enumerate(reasons)}
  % include('run_inputs.tpl')
  <div class="buttons">
    % for b in actions['buttons']:
    <div class="action" data-mode="{{b['mode']}}">
    <button type="button" class="btn {{'primary' if b['primary'] else 'secondary'}}" data-testid="{{b['testid']}}"
      % if b['body'] is not None:
      data-body="{{b['body']}}"
      % end
      data-action="launch" data-url="{{actions['launch_url']}}" data-command="{{b['command'] or ''}}"
      % if b.get('draft'):
      data-draft="{{b['draft']}}" data-needs="{{' '.join(k for k in ('suite', 'targets') if actions['inputs'][k])}}"
      aria-disabled="true" aria-describedby="{{' '.join(filter(None, ['inputs-reason', reason_id.get(b['reason'])]))}}"
      % elif b['disabled']:
      aria-disabled="true" aria-describedby="{{reason_id.get(b['reason'], 'read-only-reason')}}"
      % end
      % if b['mode'] == 'resume':
      aria-keyshortcuts="r"
      % end
      title="{{b['title']}}">
      % head, sep, count = b['label'].partition(' — ')
      <span class="nowrap">{{head}}</span>
      % if sep:
      <span class="nowrap">— {{count}}</span>
      % end
      % if studio.read_only:
      <span class="tag">read-only</span>
      % end
    </button>
    % include('command.tpl', command=b['command'], label=b['label'])
    </div>
    %   if get('selection') and b['mode'] == 'rerun_failed' and not b['disabled']:
    % include('rerun_selected.tpl', base_body=b['body'])
    %   end
    % end
  </div>
  % for reason in reasons:
  <p class="action-reason" id="{{reason_id[reason]}}">Can't launch: {{reason}}</p>
  % end
  % if studio.read_only:
  <p class="action-reason" id="read-only-reason">The server is read-only (--read-only): launching is disabled. The commands above run the same from a terminal.</p>
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
