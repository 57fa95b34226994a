% from agentv_resume import vocabulary
% tally = {k: keys.count(k) for k in vocabulary.RUN}
% attention = sum(1 for k in keys if vocabulary.needs_attention(k))
<div class="toolbar" data-role="runs-toolbar" hidden>
  <div class="field search-field">
    <label for="search-{{b.id}}">Search</label>
    <input type="search" id="search-{{b.id}}" data-role="search" placeholder="run id, suite or target" autocomplete="off" aria-keyshortcuts="/" aria-controls="status-{{b.id}}">
  </div>
  <div class="segmented" role="group" aria-label="Show">
    <button type="button" class="seg" data-filter="all" aria-pressed="true">All <span class="count">{{len(keys)}}</span></button>
    <button type="button" class="seg seg-attention" data-filter="attention" aria-pressed="false" title="errored, incomplete, failed or unreadable runs">Needs attention <span class="count">{{attention}}</span></button>
    % for k in ('running', 'errored', 'incomplete', 'failed', 'complete'):
    %   if tally[k]:
    <button type="button" class="seg" data-filter="{{k}}" aria-pressed="false" title="{{vocabulary.RUN[k].help}}">{{vocabulary.RUN[k].label}} <span class="count">{{tally[k]}}</span></button>
    %   end
    % end
  </div>
  <div class="field">
    <label for="sort-{{b.id}}">Sort</label>
    <select id="sort-{{b.id}}" data-role="sort">
      <option value="newest">Newest first</option>
      <option value="oldest">Oldest first</option>
      <option value="problems">Most problems first</option>
      <option value="name">Run id A–Z</option>
    </select>
  </div>
  <p class="muted small shown" id="status-{{b.id}}" data-role="shown" aria-live="polite"></p>
</div>
