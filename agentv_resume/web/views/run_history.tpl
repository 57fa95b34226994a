%# The jobs that ran on this run, newest first (issue 13). ``history``: web/outcomes.run_history.
% from agentv_resume import vocabulary
<section class="run-history" aria-labelledby="history-title" data-testid="run-history">
  <link rel="stylesheet" href="/static/outcome.css?v={{version}}">
  <h2 id="history-title">History</h2>
  % if not history:
  <p class="muted">No job of studio-resume has run on this run yet.</p>
  % else:
  <table class="table history-table">
    <caption class="sr-only">The jobs that ran on this run, newest first</caption>
    <thead><tr><th scope="col">Started</th><th scope="col">Action</th><th scope="col">Job</th><th scope="col">Left</th><th scope="col">What changed</th></tr></thead>
    <tbody>
    % for j in history:
    %   o = j.get('outcome')
    %   word = vocabulary.JOB.get(j['status'], vocabulary.JOB['lost'])
      <tr>
        <td data-label="Started" class="nowrap">
          % include('time.tpl', stamp=j['started_at'])
        </td>
        <td data-label="Action">{{(j.get('mode') or 'run').replace('_', ' ')}}</td>
        <td data-label="Job" class="nowrap"><a href="{{j['job_url']}}">{{j['status']}}</a></td>
        % if o:
        <td data-label="Left"><span class="badge tone-{{o['tone']}}">{{o['label']}}</span></td>
        <td data-label="What changed">{{j['changes']['summary'] if j.get('changes') else '—'}}</td>
        % else:
        <td data-label="Left"><span class="badge tone-{{word.tone}}">{{j['status']}}</span></td><td data-label="What changed" class="muted">—</td>
        % end
      </tr>
    % end
    </tbody>
  </table>
  % end
</section>
