% if job.get('log_error'):
<p class="warnings">{{job['log_error']}}</p>
% end
<h2 class="log-title" id="log-title">Output</h2>
<p class="log-waiting" data-role="log-waiting"{{!'' if (not log and not terminal) else ' hidden'}}>
  <span class="spinner" aria-hidden="true"></span>
  Waiting for agentv's first output… agentv is starting (it loads the suite and the targets first; this can take a few seconds).
</p>
<pre class="log" data-testid="job-log" role="log" aria-labelledby="log-title" tabindex="0">{{log}}</pre>
