% rebase('layout.tpl')
% from agentv_resume import vocabulary
% from agentv_resume.web import present
<section class="jobs" aria-labelledby="jobs-title">
  <h1 id="jobs-title">Jobs</h1>
  % if not jobs:
  <p class="empty">No jobs yet. Open a run and press <strong>Resume run</strong>.</p>
  % else:
  <table class="table jobs-table">
    <thead><tr><th scope="col">Run</th><th scope="col">Status</th><th scope="col">Progress</th><th scope="col">Started</th><th scope="col" class="num">Took</th><th scope="col" class="num">Exit</th><th scope="col">From</th><th scope="col">Job</th></tr></thead>
    <tbody>
    % for j in jobs:
    %   word = vocabulary.JOB.get(j['status'], vocabulary.JOB['lost'])
      <tr data-job-id="{{j['id']}}" data-status="{{j['status']}}">
        <td data-label="Run">
          % if j['run_url']:
          <a href="{{j['run_url']}}">{{j['run_id']}}</a>
          % else:
          <code>{{j['run_dir']}}</code>
          % end
          <span class="muted small">{{j.get('mode') or ''}}</span>
        </td>
        % o = j.get('outcome')
        %# An ended job is coloured by what it left (issue 13): "finished, 1 error left" is not green.
        <td data-label="Status"><span class="badge tone-{{o['tone'] if o else word.tone}} job-{{j['status']}}" title="{{word.help}}">{{j['status']}}</span>
          % if o:
          <span class="small muted" data-role="job-left">{{'complete' if o['label'] == 'complete' else o['label']}}</span>
          % end
        </td>
        <td data-label="Progress" class="nowrap">{{h.progress_text(j['progress'])}}</td>
        <td data-label="Started" class="nowrap">
          % include('time.tpl', stamp=j['started_at'])
        </td>
        <td data-label="Took" class="num nowrap">{{present.job_elapsed(j) or '—'}}</td>
        <td data-label="Exit" class="num">{{j['exit_code'] if j.get('exit_code') is not None else '—'}}</td>
        <td data-label="From">{{'web' if j.get('source') == 'server' else ('terminal' if j.get('source') == 'cli' else (j.get('source') or '—'))}}</td>
        <td data-label="Job" class="nowrap"><a href="{{j['job_url']}}" aria-label="Job {{j['id']}}">open <span class="muted small job-id">{{j['id'][-6:]}}</span></a></td>
      </tr>
    % end
    </tbody>
  </table>
  % end
  % if get('older_url'):
  <p class="more"><a href="{{older_url}}" rel="next">Older jobs</a></p>
  % end
</section>
