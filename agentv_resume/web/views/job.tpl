% rebase('layout.tpl')
% from agentv_resume import vocabulary
% word = vocabulary.JOB.get(job['status'], vocabulary.JOB['lost'])
% outcome = get('outcome')
%# Once the job ended, its colour is the run's conclusion: "finished, 1 error left" is never green.
% tone = outcome['tone'] if outcome else word.tone
<section class="job" aria-labelledby="job-title" data-status-url="{{status_url}}" data-events-url="{{get('events_url') or ''}}"
         data-log-offset="{{log_offset}}" data-terminal="{{'1' if terminal else '0'}}" data-job-id="{{job['id']}}"
         data-run-id="{{job.get('run_id') or ''}}" data-started="{{job.get('started_at') or ''}}" data-finished="{{job.get('finished_at') or ''}}">
  <div class="run-head">
    <div class="run-title">
      <p class="crumbs"><a href="{{bench.jobs_url()}}">Jobs</a> /</p>
      <h1 id="job-title">{{'Job on ' + job['run_id'] if job.get('run_id') else 'Job'}} <span class="badge tone-{{tone}} job-{{job['status']}}" data-testid="job-status" aria-live="polite" title="{{word.help}}">{{job['status']}}</span></h1>
      <p class="muted small job-id">{{job['id']}}</p>
    </div>
    % include('job_actions.tpl')
    % include('job_meta.tpl')
  </div>
  % include('job_outcome.tpl')
  % include('job_audit.tpl')
  % include('job_progress.tpl')
  % include('job_log.tpl')
</section>
