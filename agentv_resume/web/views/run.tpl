% rebase('layout.tpl')
<section class="run" aria-labelledby="run-title">
  <div class="run-head">
    % include('run_title.tpl')
    % include('actions.tpl')
    % include('run_meta.tpl')
  </div>
  % include('run_notes.tpl')
  % include('rows.tpl')
  % if get('history') is not None:
  % include('run_history.tpl')
  % end
</section>
