%# Missing cases whose ids cannot be named (issue 13): no readable suite, so only their number is known.
<p class="muted small" data-testid="missing-ids-unknown">Which cases are missing is unknown: the run's suite file cannot be read (give it with <code>--suite</code>), so only their number is known.</p>
