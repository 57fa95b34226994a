% from agentv_resume import vocabulary
% if counts is None:
<span class="muted">unreadable</span>
% else:
<span class="counts">
  % for key in ('ok', 'quality_failure', 'execution_error', 'missing'):
  %   word = vocabulary.CASE[key]
  %   if key in ('ok', 'quality_failure', 'execution_error') or counts.get(key):
  <span class="chip tone-{{word.tone if counts.get(key) else 'none'}}" title="{{word.help}}">{{counts.get(key, 0)}} {{word.label}}</span>
  %   end
  % end
  <span class="muted total">{{records}}{{' / ' + str(planned) if planned else ''}} cases</span>
</span>
% end
