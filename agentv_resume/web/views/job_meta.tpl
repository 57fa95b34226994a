% from agentv_resume import vocabulary
% from agentv_resume.web import present
<div class="run-meta">
  % include('command.tpl', command=job['command'], label='this job')
  <dl class="meta">
    <div><dt>Run dir</dt><dd><code>{{job['run_dir']}}</code></dd></div>
    <div><dt>Started</dt><dd>
      % include('time.tpl', stamp=job['started_at'])
    </dd></div>
    <div><dt>Elapsed</dt><dd data-role="elapsed">{{present.job_elapsed(job) or '—'}}</dd></div>
    <div><dt>Finished</dt><dd data-role="finished-at">
      % if job['finished_at']:
      % include('time.tpl', stamp=job['finished_at'])
      % else:
      —
      % end
    </dd></div>
    <div><dt>Exit code</dt><dd data-role="exit-code">{{job['exit_code'] if job['exit_code'] is not None else '—'}}</dd></div>
  </dl>
</div>
