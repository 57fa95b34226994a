% from agentv_resume import vocabulary
% counts = run['counts']
<nav class="filters" aria-label="Show rows by status">
  <ul>
    <li><a class="chip{{' current' if not status_filter else ''}}" href="{{run_url}}"{{!' aria-current="true"' if not status_filter else ''}}>all {{run['records']}}</a></li>
    % for key in ('ok', 'quality_failure', 'execution_error'):
    %   word = vocabulary.CASE[key]
    %   current = status_filter == key
    <li><a class="chip tone-{{word.tone if counts[key] else 'none'}}{{' current' if current else ''}}" href="{{run_url}}?status={{key}}" title="{{word.help}}"{{!' aria-current="true"' if current else ''}}>{{counts[key]}} {{word.label}}</a></li>
    % end
    % if counts['missing']:
    <li><span class="chip tone-idle" title="{{vocabulary.CASE['missing'].help}}">{{counts['missing']}} missing</span></li>
    % end
  </ul>
</nav>
<table class="table rows-table">
  <caption class="sr-only">One row per test and target (the last line of index.jsonl wins)</caption>
  <thead><tr><th scope="col">Test</th><th scope="col">Target</th><th scope="col">Status</th><th scope="col" class="num">Score</th><th scope="col">Error</th></tr></thead>
  <tbody>
  % for r in rows:
  %   word = vocabulary.case_word(r.execution_status)
    <tr data-status="{{r.execution_status}}">
      <td data-label="Test" class="test-id">{{r.test_id}}</td>
      <td data-label="Target">{{r.target}}</td>
      <td data-label="Status"><span class="badge tone-{{word.tone}} status-{{r.execution_status}}" title="{{word.help}}">{{word.label}}</span></td>
      <td data-label="Score" class="num">{{vocabulary.score(r.score)}}</td>
      % if r.error and len(r.error) > 240:
      <td data-label="Error" class="error" title="{{r.error}}">{{h.short(r.error)}}</td>
      % else:
      <td data-label="Error" class="error">{{r.error or ''}}</td>
      % end
    </tr>
  % end
  % if page == pages and counts['missing'] and not status_filter:
    <tr class="missing-row"><td colspan="5"><span class="badge tone-idle status-missing">missing</span>
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
