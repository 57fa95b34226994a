%# The jobs that ran on this run, newest first (issue 13). ``history``: list of job dicts.
<section class="run-history" aria-labelledby="history-title" data-testid="run-history">
  <link rel="stylesheet" href="/static/outcome.css?v={{version}}">
  <h2 id="history-title">History</h2>
  % if not history:
  <p class="muted">No job of studio-resume has run on this run yet.</p>
  % else:
  <table class="table history-table">
    <thead><tr><th scope="col">Job</th><th scope="col">Started</th><th scope="col">Action</th><th scope="col">Status</th><th scope="col">Conclusion</th><th scope="col">What changed</th></tr></thead>
    <tbody>
    % for j in history:
      <tr>
        <td data-label="Job" class="nowrap"><a href="{{j['job_url']}}">{{j['id']}}</a></td>
        <td data-label="Started" class="nowrap">{{h.when(j['started_at'])}}</td>
        <td data-label="Action">{{(j.get('mode') or 'run').replace('_', ' ')}}</td>
        <td data-label="Status"><span class="badge job-{{j['status']}}">{{j['status']}}</span></td>
        % o = j.get('outcome')
        % if o:
        <td data-label="Conclusion"><span class="badge outcome-badge outcome-{{o['tone']}}">{{o['label']}}</span></td>
        <td data-label="What changed">{{o['changes']['summary'] if o.get('changes') else '—'}}</td>
        % else:
        <td data-label="Conclusion" class="muted">—</td><td data-label="What changed" class="muted">—</td>
        % end
      </tr>
    % end
    </tbody>
  </table>
  % end
</section>
