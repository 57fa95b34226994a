% from agentv_resume import vocabulary
% counts = run['counts']
% base = run_url
% reasons = get('reasons') or {}
% case_url = get('case_url')
% n_cols = 7 if selection else 6
<h2 class="rows-title" id="rows-title">Cases</h2>
<nav class="filters" aria-label="Show cases by status">
  <ul>
    <li><a class="chip{{' current' if not status_filter else ''}}" href="{{query.url(base, status=None)}}"{{!' aria-current="true"' if not status_filter else ''}}>all {{run['records']}}</a></li>
    % for key in ('ok', 'quality_failure', 'execution_error', 'missing'):
    %   word = vocabulary.CASE[key]
    %   current = status_filter == key
    %   if key != 'missing' or counts['missing']:
    <li><a class="chip tone-{{word.tone if counts[key] else 'none'}}{{' current' if current else ''}}" href="{{query.url(base, status=key)}}" title="{{word.help}}"{{!' aria-current="true"' if current else ''}}>{{counts[key]}} {{word.label}}</a></li>
    %   end
    % end
  </ul>
</nav>
<form class="toolbar rows-toolbar" method="get" action="{{base}}" role="search" aria-label="Find cases">
  % if status_filter:
  <input type="hidden" name="status" value="{{status_filter}}">
  % end
  <div class="field search-field">
    <label for="row-search">Search</label>
    <input type="search" id="row-search" name="q" value="{{query.q}}" data-role="search" placeholder="test id or error text" autocomplete="off" aria-keyshortcuts="/">
  </div>
  % if len(run['targets']) > 1:
  <div class="field">
    <label for="row-target">Target</label>
    <select id="row-target" name="target">
      <option value="">All targets</option>
      % for t in run['targets']:
      <option value="{{t}}"{{!' selected' if query.target == t else ''}}>{{t}}</option>
      % end
    </select>
  </div>
  % end
  <div class="field">
    <label for="row-sort">Sort</label>
    <select id="row-sort" name="sort">
      % from agentv_resume.web.run_rows import SORTS
      % for value, label in SORTS.items():
      <option value="{{value}}"{{!' selected' if query.sort == value else ''}}>{{label}}</option>
      % end
    </select>
  </div>
  <button class="btn" type="submit">Apply</button>
  % if query.narrowed or query.sort:
  <a class="btn link" href="{{base}}">Clear</a>
  % end
</form>
% if selection:
<p class="muted small select-note" id="select-note">Tick failed or errored cases to rerun just those (<strong>Rerun selected</strong>, above). A case that passed once cannot be ticked: agentv's <code>--rerun-failed</code> keeps every case with an <code>ok</code> line, even one picked with <code>--test-id</code>.</p>
% end
<table class="table rows-table" aria-labelledby="rows-title" data-role="rows-table">
  <caption class="sr-only">One row per test and target (the last line of index.jsonl wins){{', filtered' if query.narrowed else ''}}</caption>
  <thead><tr>
    % if selection:
    <th scope="col" class="pick"><span class="sr-only">Select</span></th>
    % end
    <th scope="col">Test</th><th scope="col">Target</th><th scope="col">Status</th><th scope="col" class="num">Score</th><th scope="col" class="num">Duration</th><th scope="col">Error, or why it failed</th></tr></thead>
  <tbody>
  % for r in rows:
  %   word = vocabulary.case_word(r.execution_status)
    <tr data-status="{{r.execution_status}}" data-test-id="{{r.test_id}}">
      % if selection:
      %   if selection.tickable(r):
      <td class="pick" data-label="Select"><input type="checkbox" name="test_id" value="{{r.test_id}}" data-role="pick" data-cases="{{selection.cases_by_id.get(r.test_id, 1)}}" aria-label="Select {{r.test_id}} ({{r.target}}) to rerun"></td>
      %   else:
      <td class="pick" data-label="Select"><span class="no-pick" title="Cannot be picked: {{selection.reasons.get((r.test_id, r.target), '')}}" aria-hidden="true">–</span><span class="sr-only">Cannot be picked: {{selection.reasons.get((r.test_id, r.target), '')}}</span></td>
      %   end
      % end
      % link = case_url(r) if case_url else None
      % if link:
      <td data-label="Test" class="test-id"><a href="{{link}}" title="What agentv wrote for this case">{{r.test_id}}</a></td>
      % else:
      <td data-label="Test" class="test-id">{{r.test_id}}</td>
      % end
      <td data-label="Target">{{r.target}}</td>
      <td data-label="Status"><span class="badge tone-{{word.tone}} status-{{r.execution_status}}" title="{{word.help}}">{{word.label}}</span></td>
      <td data-label="Score" class="num">{{vocabulary.score(r.score)}}</td>
      <td data-label="Duration" class="num nowrap">{{vocabulary.duration(r.duration_ms)}}</td>
      % why = reasons.get((r.test_id, r.target))
      % if why:
      <td data-label="Why"><ul class="reasons" data-testid="case-reasons">
        % for reason in why:
        <li>{{h.short(reason)}}</li>
        % end
      </ul></td>
      % elif r.error and len(r.error) > 240:
      <td data-label="Error" class="error" title="{{r.error}}">{{h.short(r.error)}}</td>
      % else:
      <td data-label="Error" class="error">{{r.error or ''}}</td>
      % end
    </tr>
  % end
  % show_missing = counts['missing'] and (status_filter == 'missing' or (not query.narrowed and page == pages))
  % if show_missing and missing_pairs and status_filter == 'missing':
  %   for test_id, target in missing_pairs:
    <tr class="missing-row" data-status="missing">
      % if selection:
      <td class="pick"></td>
      % end
      <td data-label="Test" class="test-id">{{test_id}}</td><td data-label="Target">{{target or ''}}</td>
      <td data-label="Status"><span class="badge tone-idle status-missing">missing</span></td><td></td><td></td><td class="muted">no result yet</td></tr>
  %   end
  % elif show_missing:
    <tr class="missing-row"><td colspan="{{n_cols}}"><span class="badge tone-idle status-missing">missing</span>
      {{h.plural(counts['missing'])}} planned but with no result yet (agentv never ran them, or was stopped first)
      % if missing_pairs:
      · <a href="{{query.url(base, status='missing')}}" data-testid="missing-ids-link">list them</a>
      % else:
      % include('run_missing.tpl')
      % end
      </td></tr>
  % end
  % if not rows and not show_missing:
    <tr><td colspan="{{n_cols}}" class="muted">{{'No case matches.' if query.narrowed else 'No rows.'}}
      % if query.narrowed:
      <a href="{{base}}">Show every case</a>
      % end
    </td></tr>
  % end
  </tbody>
</table>
% if pages > 1:
<nav class="pager" aria-label="Pages">
  % if page > 1:
  <a href="{{query.url(base, page=page - 1)}}" rel="prev">← Previous</a>
  % end
  <span>Rows {{first_row}}–{{first_row + len(rows) - 1}} of {{total_rows}} · page {{page}} / {{pages}}</span>
  % if page < pages:
  <a href="{{query.url(base, page=page + 1)}}" rel="next">Next →</a>
  % end
</nav>
% end
