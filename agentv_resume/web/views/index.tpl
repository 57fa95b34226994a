% rebase('layout.tpl')
% from agentv_resume import vocabulary
% multi = len(sections) > 1
% for section in sections:
%   b = section['bench']
%   runs = section['runs']
%   keys = [vocabulary.run_state(r['state'], r['counts']) for r in runs]
<section class="runs" aria-labelledby="runs-{{b.id}}" data-live-list>
  <h1 id="runs-{{b.id}}">{{'Runs' if not multi else 'Runs · ' + b.id}}</h1>
  <p class="muted path">{{b.root}}</p>
  % if not runs:
  <p class="empty">No runs yet: agentv writes them under <code>.agentv/results/runs/</code>.</p>
  % else:
  % include('runs_toolbar.tpl', b=b, runs=runs, keys=keys)
  <table class="table runs-table" data-role="runs-table">
    <caption class="sr-only">Runs of {{b.id}}, newest first</caption>
    <thead><tr><th scope="col">Run</th><th scope="col">State</th><th scope="col">Suite</th><th scope="col">Results</th><th scope="col">Started</th></tr></thead>
    <tbody>
    % for r, key in zip(runs, keys):
    %   word = vocabulary.RUN[key]
    %   counts = r['counts'] or {}
    %   search = ' '.join([r['id'], r.get('experiment') or '', r.get('suite_filter') or '', ' '.join(r.get('targets') or [])]).lower()
      <tr data-run-id="{{r['id']}}" data-state="{{key}}" data-attention="{{'1' if vocabulary.needs_attention(key) else '0'}}"
          data-search="{{search}}" data-time="{{r['timestamp'] or ''}}"
          data-problems="{{(counts.get('execution_error') or 0) + (counts.get('quality_failure') or 0) + (counts.get('missing') or 0)}}">
        <td data-label="Run"><a href="{{b.run_url(r['id'])}}">{{r['id']}}</a>
          % if r['experiment'] and r['experiment'] != 'default':
          <span class="muted">· {{r['experiment']}}</span>
          % end
          % if r.get('targets'):
          <span class="muted small targets">{{', '.join(r['targets'])}}</span>
          % end
        </td>
        <td data-label="State"><span class="badge tone-{{word.tone}} state-{{key}}" title="{{word.help}}">{{word.label}}</span>
          % if r['active_job']:
          <a class="small" href="{{b.job_url(r['active_job'])}}">open job</a>
          % end
        </td>
        <td data-label="Suite" class="suite">{{r['suite_filter'] or '—'}}</td>
        <td data-label="Results">
          % include('counts.tpl', counts=r['counts'], records=r['records'], planned=r['planned'])
          % if r['warnings']:
          <span class="warn-mark" title="{{'; '.join(r['warnings'])}}">⚠ {{h.plural(len(r['warnings']), 'warning')}}</span>
          % end
        </td>
        <td data-label="Started" class="nowrap">
          % include('time.tpl', stamp=r['timestamp'])
        </td>
      </tr>
    % end
    </tbody>
  </table>
  <p class="empty" data-role="no-match" hidden>No run matches. <button type="button" class="btn link" data-action="clear-filters">Show all runs</button></p>
  % end
</section>
% end
