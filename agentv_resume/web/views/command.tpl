% from agentv_resume.web import present
% from bottle import html_escape
% groups = present.command_groups(command)
% if groups:
<div class="command-line" data-role="command-line">
  <code class="cmd" data-role="command">{{!' '.join('<span class="arg">' + html_escape(g) + '</span>' for g in groups)}}</code>
  <button type="button" class="btn copy" data-action="copy" data-copy="{{command}}" aria-label="Copy the command{{' of ' + label if get('label') else ''}}" title="Copy to the clipboard">Copy</button>
</div>
% end
