<div class="run-meta">
  <dl class="meta">
    <div><dt>Suite</dt><dd>{{run['suite_filter'] or '(unknown)'}}</dd></div>
    <div><dt>Targets</dt><dd>{{', '.join(run['targets']) or '(none recorded)'}}</dd></div>
    <div><dt>Cases</dt><dd>{{run['records']}} with results · {{'planned ' + str(run['planned']) if run['planned'] else 'planned unknown'}} · {{run['missing']}} missing</dd></div>
    <div><dt>Run dir</dt><dd><code>{{run['run_dir']}}</code></dd></div>
    % if run['timestamp']:
    <div><dt>Started</dt><dd>
      % include('time.tpl', stamp=run['timestamp'])
    </dd></div>
    % end
  </dl>
</div>
