% from agentv_resume.web import present
% t = present.time_values(stamp)
% if t['iso']:
<time datetime="{{t['iso']}}" title="{{t['exact']}}" data-role="relative-time">{{t['relative']}}</time>
% else:
<span class="muted">—</span>
% end
