% p = job['progress'] or {}
<div class="progress" data-testid="job-progress" role="progressbar" aria-label="Cases done"
     aria-valuemin="0" aria-valuemax="{{p.get('planned') or 0}}" aria-valuenow="{{p.get('done') or 0}}" aria-valuetext="{{h.progress_text(p)}}">
  % if p.get('planned'):
  <progress max="{{p['planned']}}" value="{{p.get('done') or 0}}" aria-hidden="true"></progress>
  % elif terminal:
  <progress max="1" value="1" aria-hidden="true"></progress>
  % else:
  <progress aria-hidden="true"></progress>
  % end
  <span class="progress-text" data-role="progress-text">{{h.progress_text(p)}}</span>
</div>
