% rebase('layout.tpl')
<section class="jobs" aria-labelledby="jobs-title">
  <h1 id="jobs-title">Jobs</h1>
  % if not jobs:
  <p class="empty">No jobs yet. Open a run and press <strong>Resume run</strong>.</p>
  % else:
  <table class="table jobs-table">
    <thead><tr><th scope="col">Job</th><th scope="col">Status</th><th scope="col">Run</th><th scope="col">Progress</th><th scope="col">Started</th><th scope="col">Command</th></tr></thead>
    <tbody>
    % for j in jobs:
      <tr>
        <td data-label="Job" class="nowrap"><a href="{{j['job_url']}}">{{j['id']}}</a></td>
        <td data-label="Status"><span class="badge job-{{j['status']}}">{{j['status']}}</span></td>
        <td data-label="Run">
          % if j['run_url']:
          <a href="{{j['run_url']}}">{{j['run_id']}}</a>
          % else:
          <code>{{j['run_dir']}}</code>
          % end
        </td>
        <td data-label="Progress" class="nowrap">{{h.progress_text(j['progress'])}}</td>
        <td data-label="Started" class="nowrap">{{h.when(j['started_at'])}}</td>
        <td data-label="Command" class="command"><code>{{j['command']}}</code></td>
      </tr>
    % end
    </tbody>
  </table>
  % end
</section>
