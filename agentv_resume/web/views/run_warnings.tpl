%# What to know before a click (issue 11): the run API's `warnings`, above the actions.
% warnings = run.get('warnings') or []
% if warnings:
<div class="run-warnings tone-box-warn" data-testid="run-warnings" role="note" aria-label="Before you launch">
  <ul>
    % for w in warnings:
    <li>{{w}}</li>
    % end
  </ul>
</div>
% end
