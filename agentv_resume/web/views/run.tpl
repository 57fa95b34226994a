% rebase('layout.tpl')
% counts = run['counts']
<section class="run" aria-labelledby="run-title">
  <div class="run-head">
    <div class="run-title">
      <p class="crumbs"><a href="{{bench.home_url()}}">Runs</a> /</p>
      <h1 id="run-title">{{run['id']}} <span class="badge state-{{run['state']}}">{{run['state']}}</span></h1>
    </div>
    % include('actions.tpl')
    <div class="run-meta">
      <dl class="meta">
        <div><dt>Suite</dt><dd>{{run['suite_filter'] or '(unknown)'}}</dd></div>
        <div><dt>Targets</dt><dd>{{', '.join(run['targets']) or '(none recorded)'}}</dd></div>
        <div><dt>Cases</dt><dd>{{run['records']}} with results · {{'planned ' + str(run['planned']) if run['planned'] else 'planned unknown'}} · {{run['missing']}} missing</dd></div>
        <div><dt>Run dir</dt><dd><code>{{run['run_dir']}}</code></dd></div>
        % if run['timestamp']:
        <div><dt>Started</dt><dd>{{h.when(run['timestamp'])}}</dd></div>
        % end
      </dl>
      <p class="filters" aria-label="Filter rows by status">
        <a class="chip{{' current' if not status_filter else ''}}" href="{{run_url}}">all {{run['records']}}</a>
        <a class="chip status-ok{{' current' if status_filter == 'ok' else ''}}" href="{{run_url}}?status=ok">{{counts['ok']}} ok</a>
        <a class="chip status-quality_failure{{' current' if status_filter == 'quality_failure' else ''}}" href="{{run_url}}?status=quality_failure">{{counts['quality_failure']}} quality_failure</a>
        <a class="chip status-execution_error{{' current' if status_filter == 'execution_error' else ''}}" href="{{run_url}}?status=execution_error">{{counts['execution_error']}} execution_error</a>
        % if counts['missing']:
        <span class="chip status-missing">{{counts['missing']}} missing</span>
        % end
      </p>
    </div>
  </div>
  % if run['warnings'] or run['blocked']:
  <ul class="warnings">
    % if run['blocked']:
    <li><strong>Blocked:</strong> {{run['blocked']}}</li>
    % end
    % for w in run['warnings']:
    <li>{{w}}</li>
    % end
  </ul>
  % end
  <table class="table rows-table">
    <caption class="sr-only">One row per test and target (the last line of index.jsonl wins)</caption>
    <thead><tr><th scope="col">Test</th><th scope="col">Target</th><th scope="col">Status</th><th scope="col" class="num">Score</th><th scope="col">Error</th></tr></thead>
    <tbody>
    % for r in rows:
      <tr>
        <td data-label="Test" class="test-id">{{r.test_id}}</td>
        <td data-label="Target">{{r.target}}</td>
        <td data-label="Status"><span class="badge status-{{r.execution_status}}">{{r.execution_status}}</span></td>
        <td data-label="Score" class="num">{{h.score(r.score)}}</td>
        % if r.error and len(r.error) > 240:
        <td data-label="Error" class="error" title="{{r.error}}">{{h.short(r.error)}}</td>
        % else:
        <td data-label="Error" class="error">{{r.error or ''}}</td>
        % end
      </tr>
    % end
    % if page == pages and counts['missing'] and not status_filter:
      <tr class="missing-row"><td colspan="5"><span class="badge status-missing">missing</span>
        {{h.plural(counts['missing'])}} planned but with no result yet (agentv never ran them, or was stopped first)</td></tr>
    % end
    % if not rows and not (counts['missing'] and not status_filter):
      <tr><td colspan="5" class="muted">No rows.</td></tr>
    % end
    </tbody>
  </table>
  % if pages > 1:
  <nav class="pager" aria-label="Pages">
    % q = ('status=' + status_filter + '&') if status_filter else ''
    % if page > 1:
    <a href="{{run_url}}?{{q}}page={{page - 1}}" rel="prev">← Previous</a>
    % end
    <span>Rows {{first_row}}–{{first_row + len(rows) - 1}} of {{total_rows}} · page {{page}} / {{pages}}</span>
    % if page < pages:
    <a href="{{run_url}}?{{q}}page={{page + 1}}" rel="next">Next →</a>
    % end
  </nav>
  % end
</section>
