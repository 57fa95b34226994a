<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>{{title}}</title>
<link rel="icon" href="/static/favicon.svg?v={{version}}" type="image/svg+xml">
<link rel="stylesheet" href="/static/app.css?v={{version}}">
<script src="/static/app.js?v={{version}}" defer></script>
</head>
<body>
<a class="skip" href="#main">Skip to content</a>
<header class="topbar">
  <a class="brand" href="/">studio-resume</a>
  <span class="project" title="{{bench.root}}">{{bench.id}}</span>
  <nav aria-label="Main">
    <a href="{{bench.home_url()}}">Runs</a>
    <a href="{{bench.jobs_url()}}">Jobs</a>
  </nav>
  % if studio.read_only:
  <span class="tag tag-readonly" title="Started with --read-only: launching and stopping are disabled">read-only</span>
  % end
</header>
<main id="main">
{{!base}}
</main>
</body>
</html>
