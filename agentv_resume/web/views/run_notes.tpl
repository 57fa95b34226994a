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
