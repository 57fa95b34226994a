%# What a launch needs from the user (issue 11): the suite file(s) when the run's are unknown,
%# the targets when they are uncertain. app.js completes each button's data-draft from these
%# and enables it; the server validates what is given like any request (its 400 shows below).
% inputs = actions.get('inputs')
% if inputs and any(b.get('draft') for b in actions['buttons']):
<div class="launch-inputs" data-role="launch-inputs" data-testid="launch-inputs">
  % if inputs['suite']:
  <p class="field">
    <label for="suite-field">Suite file(s)</label>
    <input id="suite-field" name="suite_filter" type="text" data-role="suite-field" data-testid="suite-field"
           autocomplete="off" spellcheck="false" placeholder="evals/a.yaml,evals/b.yaml" aria-describedby="suite-field-help">
    <span id="suite-field-help" class="muted small">Comma-separated, relative to the project: the eval file(s) this run was made from.</span>
  </p>
  % end
  % if inputs['targets']:
  <fieldset class="field target-choices" data-testid="target-choices" aria-describedby="target-choices-help">
    <legend>Targets</legend>
    % for n, name in enumerate(inputs['target_choices']):
    <label class="choice"><input type="checkbox" name="target" value="{{name}}" data-role="target-choice" id="target-choice-{{n}}"> {{name}}</label>
    % end
    % if not inputs['target_choices']:
    <p class="muted small">No targets found in .agentv/targets.yaml: use `studio-resume launch --target`.</p>
    % end
    <span id="target-choices-help" class="muted small">The run's targets are not all recorded: tick every target it was run on (from .agentv/targets.yaml).</span>
  </fieldset>
  % end
  <p class="action-reason" id="inputs-reason" data-role="inputs-reason">Can't launch yet: {{'give the suite file(s)' if inputs['suite'] else ''}}{{' and ' if inputs['suite'] and inputs['targets'] else ''}}{{'choose at least one target' if inputs['targets'] else ''}} above.</p>
</div>
% end
