% if counts is None:
<span class="muted">unreadable</span>
% else:
<span class="counts">
  <span class="chip status-ok" title="ok">{{counts['ok']}} ok</span>
  <span class="chip status-quality_failure" title="quality_failure">{{counts['quality_failure']}} failed</span>
  <span class="chip status-execution_error" title="execution_error">{{counts['execution_error']}} errors</span>
  % if counts['missing']:
  <span class="chip status-missing" title="planned cases with no result">{{counts['missing']}} missing</span>
  % end
  <span class="muted total">{{records}}{{' / ' + str(planned) if planned else ''}} cases</span>
</span>
% end
