%# What the job did and what is left (issue 13). ``outcome``: web/outcomes.outcome_view, None while it runs.
% from agentv_resume import vocabulary
% if get('outcome'):
%   changes = outcome['changes']
<section class="outcome tone-box-{{outcome['tone']}}" data-testid="job-outcome" data-conclusion="{{outcome['conclusion']}}" aria-labelledby="outcome-title">
  <link rel="stylesheet" href="/static/outcome.css?v={{version}}">
  <h2 id="outcome-title" class="outcome-title"><span class="outcome-mark" aria-hidden="true">{{'✓' if outcome['tone'] == 'good' else '!'}}</span>
    <span data-testid="job-conclusion">{{outcome['headline']}}</span></h2>
  <p class="outcome-exit" data-testid="job-exit-reason">{{outcome['exit_reason']}}</p>
  % if outcome['read_now']:
  <p class="muted small">The job left no record of its end: this is read from the run as it is now.</p>
  % end
  % if changes is not None:
  <p class="outcome-changes" data-testid="job-changes-summary">{{changes['summary']}}</p>
  % else:
  <p class="outcome-changes muted" data-testid="job-changes-summary">What changed is unknown: the run was not recorded before this job.</p>
  % end
  % if outcome['next']:
  <div class="outcome-actions" data-job-base="{{bench.job_url('')}}">
    <div class="outcome-buttons">
    % for b in outcome['next']:
      <button type="button" class="btn {{'primary' if b['primary'] else 'secondary'}}" data-testid="next-{{b['testid']}}"
        % if b['body'] is not None:
        data-body="{{b['body']}}"
        % end
        data-action="launch" data-url="{{outcome['launch_url']}}" title="{{b['title']}}"{{!' aria-disabled="true"' if b['disabled'] else ''}}>{{b['label']}}</button>
    % end
    </div>
    % for b in outcome['next']:
    %   if b['disabled']:
    <p class="action-reason">Can't launch: {{b['title']}}</p>
    %   elif b['command']:
    % include('command.tpl', command=b['command'], label=b['label'])
    %   end
    % end
    <div class="alert" role="alert" data-role="action-error" hidden></div>
  </div>
  % elif outcome['next_note']:
  <p class="muted small">{{outcome['next_note']}}</p>
  % end
  % if changes and changes['cases']:
  <table class="table outcome-cases" data-testid="job-changes">
    <caption class="sr-only">The cases this job changed</caption>
    <thead><tr><th scope="col">Change</th><th scope="col">Test</th><th scope="col">Target</th><th scope="col">Before</th><th scope="col">After</th></tr></thead>
    <tbody>
    % for c in changes['cases']:
    %   before, after = vocabulary.case_word(c['before']) if c['before'] != 'missing' else vocabulary.CASE['missing'], vocabulary.case_word(c['after'])
      <tr>
        <td data-label="Change"><span class="badge change-{{c['change']}}">{{c['change'].replace('_', ' ')}}</span></td>
        <td data-label="Test" class="test-id">{{c['test_id']}}</td>
        <td data-label="Target">{{c['target']}}</td>
        <td data-label="Before"><span class="badge tone-{{before.tone}}">{{before.label}}</span></td>
        <td data-label="After"><span class="badge tone-{{after.tone}}">{{after.label}}</span></td>
      </tr>
    % end
    % if changes.get('truncated'):
      <tr><td colspan="5" class="muted">… and {{changes['truncated']}} more (the counts above are whole)</td></tr>
    % end
    </tbody>
  </table>
  % end
</section>
% end
