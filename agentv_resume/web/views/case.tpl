% rebase('layout.tpl')
%# One case of a run and the files agentv wrote for it (issue 13): text only, escaped, capped.
<section class="case-files" aria-labelledby="case-title" data-testid="case-files">
  <link rel="stylesheet" href="/static/outcome.css?v={{version}}">
  <p class="crumbs"><a href="{{bench.home_url()}}">Runs</a> / <a href="{{run_url}}">{{run_id}}</a> /</p>
  % from agentv_resume import vocabulary
  % word = vocabulary.case_word(case['execution_status'])
  <h1 id="case-title"><span class="test-id">{{case['test_id']}}</span> · {{case['target']}}
    <span class="badge tone-{{word.tone}} status-{{case['execution_status']}}" title="{{word.help}}">{{word.label}}</span></h1>
  % if case.get('error'):
  <p class="error">{{case['error']}}
    % if case.get('failure_stage') or case.get('failure_reason_code'):
    <span class="muted small">({{', '.join(x for x in (case.get('failure_stage'), case.get('failure_reason_code')) if x)}})</span>
    % end
  </p>
  % end
  % if case['reasons']:
  <h2>Why it failed</h2>
  <ul class="reasons" data-testid="case-reasons">
    % for reason in case['reasons']:
    <li>{{reason}}</li>
    % end
  </ul>
  % end
  % if not artifacts:
  <p class="muted">agentv named no files for this case (the rows of a run stopped before its end name none).</p>
  % end
  % for a in artifacts:
  <section class="artifact" aria-label="{{a.name}}">
    <h2>{{a.name}} <code class="small">{{a.path}}</code>
      % if a.size is not None:
      <span class="muted small">{{a.size}} bytes</span>
      % end
      % if a.text is not None:
      <a class="small" href="{{raw_url(a.name)}}">raw</a>
      % end
    </h2>
    % if a.problem:
    <p class="muted">{{a.problem}}</p>
    % elif a.text is not None:
    <pre tabindex="0">{{a.text}}</pre>
    %   if a.truncated:
    <p class="muted small">Cut at {{limit}} bytes; the raw file is cut there too.</p>
    %   end
    % end
  </section>
  % end
</section>
