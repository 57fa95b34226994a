<div class="action rerun-selected" data-role="rerun-selected" data-body="{{base_body}}" data-preview-url="{{bench.preview_api()}}">
  <button type="button" class="btn secondary" data-testid="rerun-selected-button" data-action="launch"
    data-url="{{actions['launch_url']}}" aria-disabled="true" aria-describedby="select-reason">Rerun selected — 0 cases</button>
  <p class="muted small select-reason" id="select-reason" data-role="select-reason">Tick failed or errored cases in the table below to rerun just those.</p>
  <div class="command-line" data-role="selected-command" hidden>
    <code class="cmd" data-role="command"></code>
    <button type="button" class="btn copy" data-action="copy" data-copy="" aria-label="Copy the command of Rerun selected" title="Copy to the clipboard">Copy</button>
  </div>
</div>
