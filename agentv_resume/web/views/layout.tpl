% import bottle
% from agentv_resume import vocabulary
% from agentv_resume.web import present
% here = present.section_of(bottle.request.path, bench.home_url().rstrip('/'))
% benches = list(studio.benchmarks.values())
<!doctype html>
<html lang="en" data-job-states="{{job_states}}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>{{title}}</title>
<link rel="icon" href="/static/favicon.svg?v={{version}}" type="image/svg+xml" data-role="favicon">
<link rel="stylesheet" href="/static/app.css?v={{version}}">
<script type="application/json" id="studio-vocabulary">{{!vocabulary.as_json()}}</script>
<script src="/static/app.js?v={{version}}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="topbar">
  <a class="brand" href="{{studio.first.home_url()}}">studio-resume</a>
  % if len(benches) > 1:
  <details class="switcher">
    <summary><span class="sr-only">Project: </span><span class="project">{{bench.id}}</span></summary>
    <nav aria-label="Projects">
      <ul>
      % for b in benches:
        <li><a href="{{b.home_url()}}"{{!' aria-current="true"' if b.id == bench.id else ''}}><span class="project">{{b.id}}</span> <span class="muted small path">{{b.root}}</span></a></li>
      % end
      </ul>
    </nav>
  </details>
  % else:
  <span class="project" title="{{bench.root}}">{{bench.id}}</span>
  % end
  <nav aria-label="Main" class="mainnav">
    <a href="{{bench.home_url()}}"{{!' aria-current="page"' if here == 'runs' else ''}}>Runs</a>
    <a href="{{bench.jobs_url()}}"{{!' aria-current="page"' if here == 'jobs' else ''}}>Jobs</a>
  </nav>
  <span class="topbar-end">
    % if studio.read_only:
    <span class="tag tag-readonly" title="Started with --read-only: launching and stopping are disabled">read-only</span>
    % end
    <button type="button" class="btn ghost keys-button" data-action="help" aria-haspopup="dialog" aria-keyshortcuts="?" hidden>Keys <kbd>?</kbd></button>
  </span>
</header>
<main id="main">
{{!base}}
</main>
<dialog class="help" id="keys-help" aria-labelledby="keys-help-title">
  <h2 id="keys-help-title">Keyboard shortcuts</h2>
  <dl class="keys">
    <div><dt><kbd>/</kbd></dt><dd>Search this page's list</dd></div>
    <div><dt><kbd>r</kbd></dt><dd>Go to <strong>Resume run</strong> on a run page (<kbd>Enter</kbd> then launches it)</dd></div>
    <div><dt><kbd>g</kbd> <kbd>r</kbd></dt><dd>Go to the runs</dd></div>
    <div><dt><kbd>g</kbd> <kbd>j</kbd></dt><dd>Go to the jobs</dd></div>
    <div><dt><kbd>Esc</kbd></dt><dd>Leave the search box, close this help</dd></div>
    <div><dt><kbd>?</kbd></dt><dd>This help</dd></div>
  </dl>
  <form method="dialog"><button class="btn" type="submit">Close</button></form>
</dialog>
</body>
</html>
