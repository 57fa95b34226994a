% rebase('layout.tpl')
% multi = len(studio.benchmarks) > 1
% for section in sections:
%   b = section['bench']
<section class="runs" aria-labelledby="runs-{{b.id}}">
  <h1 id="runs-{{b.id}}">{{'Runs' if not multi else 'Runs · ' + b.id}}</h1>
  <p class="muted path">{{b.root}}</p>
  % if not section['runs']:
  <p class="empty">No runs yet: agentv writes them under <code>.agentv/results/runs/</code>.</p>
  % else:
  <table class="table runs-table">
    <thead><tr><th scope="col">Run</th><th scope="col">State</th><th scope="col">Suite</th><th scope="col">Results</th><th scope="col">Started</th></tr></thead>
    <tbody>
    % for r in section['runs']:
      <tr data-run-id="{{r['id']}}">
        <td data-label="Run"><a href="{{b.run_url(r['id'])}}">{{r['id']}}</a>
          % if r['experiment'] and r['experiment'] != 'default':
          <span class="muted">· {{r['experiment']}}</span>
          % end
        </td>
        <td data-label="State"><span class="badge state-{{r['state']}}">{{r['state']}}</span>
          % if r['active_job']:
          <a class="small" href="{{b.job_url(r['active_job'])}}">job</a>
          % end
        </td>
        <td data-label="Suite" class="suite">{{r['suite_filter'] or '—'}}</td>
        <td data-label="Results">
          % include('counts.tpl', counts=r['counts'], records=r['records'], planned=r['planned'])
          % if r['warnings']:
          <span class="warn-mark" title="{{'; '.join(r['warnings'])}}">⚠ {{h.plural(len(r['warnings']), 'warning')}}</span>
          % end
        </td>
        <td data-label="Started" class="nowrap">{{h.when(r['timestamp'])}}</td>
      </tr>
    % end
    </tbody>
  </table>
  % end
</section>
% end
