% from agentv_resume import vocabulary
% key = vocabulary.run_state(run['state'], run['counts'])
% word = vocabulary.RUN[key]
<div class="run-title">
  <p class="crumbs"><a href="{{bench.home_url()}}">Runs</a> /</p>
  <h1 id="run-title">{{run['id']}} <span class="badge tone-{{word.tone}} state-{{key}}" title="{{word.help}}">{{word.label}}</span></h1>
</div>
