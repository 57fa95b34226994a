%# `warnings` are shown above the actions (run_warnings.tpl); here what blocks the run.
% if run['blocked']:
<ul class="warnings">
  <li><strong>Blocked:</strong> {{run['blocked']}}</li>
</ul>
% end
