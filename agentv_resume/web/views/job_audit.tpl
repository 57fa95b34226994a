%# agentv's own account of an ended job beside the tool's prediction (issue 11, `audit`).
% audit = job.get('audit')
% if audit:
%   ran = audit.get('agentv_planned')
%   if audit.get('nothing_to_resume'):
%     ran = 0
%   end
<div class="job-audit{{' run-warnings' if audit.get('warning') else ''}}" data-testid="job-audit"{{!' role="note"' if audit.get('warning') else ''}}>
  <p class="small">agentv ran {{ran if ran is not None else 'an unknown number of'}} case(s){{' (it said "Nothing to resume")' if audit.get('nothing_to_resume') else ''}} — predicted {{audit['predicted'] if audit.get('predicted') is not None else 'not known (approximate)'}}</p>
  % if audit.get('warning'):
  <p data-testid="job-audit-warning"><strong>Warning:</strong> {{audit['warning']}}</p>
  % end
</div>
% end
