% rebase('layout.tpl')
<section class="error-page">
  <h1>{{status}} · {{heading}}</h1>
  <p>{{message}}</p>
  <p><a href="/">Back to the runs</a></p>
</section>
