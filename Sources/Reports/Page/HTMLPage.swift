/// The frame every report page shares: style, the error catcher that runs first, the flame-graph
/// script and the self-check, all inline (one offline file; nothing is fetched).
enum HTMLPage {
    static func wrap(title: String, body: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">
        <title>\(HTML.escape(title))</title>
        <script>\(errorCatcher)</script>
        <style>\(style)</style></head><body>
        \(body)
        <script>\(flameScript)
        \(selfCheck)</script>
        </body></html>

        """
    }

    static let style = """
    body{font-family:system-ui,sans-serif;margin:20px auto;max-width:1200px;color:#222;padding:0 14px;line-height:1.35}
    h1{font-size:22px;margin:0 0 4px}h2{font-size:17px;margin-top:30px;border-bottom:1px solid #ddd;padding-bottom:3px}h3{font-size:15px;margin:18px 0 6px}
    .meta{color:#666;font-size:13px}
    table{border-collapse:collapse;font-size:13px;margin:6px 0}td,th{padding:3px 10px;border-bottom:1px solid #eee;text-align:left;vertical-align:top}
    th{background:#f6f6f6}td.n,th.n{text-align:right;font-variant-numeric:tabular-nums}
    .scroll{overflow-x:auto;max-width:100%}
    figure{margin:8px 0;overflow-x:auto}svg.chart{display:block;width:100%;height:auto;max-width:1200px;min-width:600px}
    .headline{font-size:18px;font-weight:600;padding:10px 14px;border-radius:6px;margin:14px 0}
    .pass{background:#e6f4ea;color:#14532d;border:1px solid #9fd3ae}.fail{background:#fde8e8;color:#7f1d1d;border:1px solid #f0a8a8}
    .warn{background:#fff7e0;color:#6b4500;border:1px solid #f0d58a}.info{background:#eef4fb;color:#1e3a5f;border:1px solid #b7cde8}
    tr.PASS td.verdict,td.better{color:#14532d;font-weight:600}tr.FAIL td,td.regression{background:#fdecec}
    tr.FAIL td.verdict,td.regression{color:#9b1c1c;font-weight:700}
    .cards{display:flex;flex-wrap:wrap;gap:10px;margin:10px 0}.card{border:1px solid #ddd;border-radius:6px;padding:8px 12px;min-width:120px}
    .card b{display:block;font-size:20px}.card span{color:#666;font-size:12px}
    .flame{border:1px solid #ddd;border-radius:4px;margin:8px 0 18px;padding:6px;background:#fbfbf6}
    .fhead{display:flex;gap:12px;align-items:baseline;min-width:0}
    .ftitle{flex:1 1 auto;min-width:0;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;font-weight:600}
    .fcount{flex:0 0 auto;white-space:nowrap;color:#555;font-size:13px}
    .ftools{display:flex;flex-wrap:wrap;gap:8px;align-items:center;margin:6px 0;font-size:13px}.ftools input{width:220px;max-width:60%}
    .fmatch{color:#7a2e9a;font-weight:600}.fdetail{color:#444;overflow:hidden;text-overflow:ellipsis;white-space:nowrap;max-width:100%}
    .fbody{position:relative;overflow:hidden;font:11px/16px ui-monospace,Menlo,Consolas,"DejaVu Sans Mono",monospace}
    .fr{position:absolute;height:16px;box-sizing:border-box;border:1px solid rgba(255,255,255,.7);border-radius:2px;padding:0 3px;
        overflow:hidden;white-space:nowrap;text-overflow:clip;cursor:pointer;color:#111}
    .fr:hover{border-color:#000}.fr.hit{background:#d13fd1 !important;color:#fff}
    .legend-diff span{display:inline-block;width:14px;height:10px;margin:0 4px 0 10px;vertical-align:middle}
    @media (max-width:640px){body{padding:0 6px}td,th{padding:2px 5px}.headline{font-size:16px}}
    """

    /// Runs before anything else: records uncaught errors and console errors where the self-check can report them.
    static let errorCatcher = """
    window.volleyErrors=[];window.addEventListener('error',function(e){volleyErrors.push(String(e.message||e))});
    (function(){var ce=console.error;console.error=function(){volleyErrors.push(Array.prototype.join.call(arguments,' '));return ce.apply(console,arguments)}})();
    """

    /// Builds every `.flame` box from its JSON: frames laid out root at the bottom; click zooms
    /// into a frame (its ancestors stay, dimmed), reset zooms out, search highlights matching
    /// frames and says what share of the samples they hold.
    static let flameScript = """
    (function(){
    var H=17;
    function hash(s){var h=2166136261;for(var i=0;i<s.length;i++){h^=s.charCodeAt(i);h=Math.imul(h,16777619)>>>0}return h}
    function color(name,delta){
      if(delta!==undefined){var a=Math.min(1,Math.abs(delta)/50),c=Math.round(250-170*a);
        return delta>0?'rgb(250,'+c+','+c+')':(delta<0?'rgb('+c+','+c+',250)':'rgb(235,235,235)')}
      if(name==='all')return 'rgb(200,200,200)';var h=hash(name);return 'rgb('+(205+h%50)+','+((h>>>8)%200+20)+','+((h>>>16)%55)+')'}
    Array.prototype.forEach.call(document.querySelectorAll('.flame'),function(box){
      var data=JSON.parse(box.querySelector('.fdata').textContent),names=data.names,frames=data.frames;
      var body=box.querySelector('.fbody'),reset=box.querySelector('.freset'),input=box.querySelector('input'),
          match=box.querySelector('.fmatch'),detail=box.querySelector('.fdetail'),depth=0;
      frames.forEach(function(fr){depth=Math.max(depth,fr[0])});
      body.style.height=((depth+1)*H)+'px';
      var els=frames.map(function(fr,j){
        var e=document.createElement('div'),n=names[fr[3]];e.className='fr';e.textContent=n;
        var info=n+' ('+fr[4]+' samples, '+(100*fr[2]).toFixed(2)+'%'+(fr.length>5?', '+(fr[5]>0?'+':'')+(fr[5]/10).toFixed(1)+' pts vs base':'')+')';
        e.title=info;e.style.bottom=(fr[0]*H)+'px';e.style.background=color(n,fr[5]);
        e.addEventListener('click',function(){zoom(j)});e.addEventListener('mouseover',function(){detail.textContent=info});
        body.appendChild(e);return e});
      function zoom(i){
        var z=frames[i],x0=z[1],w0=z[2],d0=z[0],eps=1e-7;
        frames.forEach(function(fr,j){var e=els[j];
          if(fr[0]>=d0&&fr[1]>=x0-eps&&fr[1]+fr[2]<=x0+w0+eps){e.style.display='';e.style.opacity='';
            e.style.left=(100*(fr[1]-x0)/w0)+'%';e.style.width=(100*fr[2]/w0)+'%'}
          else if(fr[0]<d0&&fr[1]<=x0+eps&&fr[1]+fr[2]>=x0+w0-eps){e.style.display='';e.style.opacity='0.55';e.style.left='0';e.style.width='100%'}
          else{e.style.display='none'}});
        reset.disabled=(d0===0)}
      reset.addEventListener('click',function(){zoom(0)});
      input.addEventListener('input',function(){
        var q=input.value.trim().toLowerCase(),spans=[];
        frames.forEach(function(fr,j){var hit=q.length>0&&names[fr[3]].toLowerCase().indexOf(q)>=0;els[j].classList.toggle('hit',hit);if(hit)spans.push([fr[1],fr[1]+fr[2]])});
        spans.sort(function(a,b){return a[0]-b[0]});var covered=0,end=-1;
        spans.forEach(function(s){if(s[0]>end){covered+=s[1]-s[0];end=s[1]}else if(s[1]>end){covered+=s[1]-end;end=s[1]}});
        match.textContent=q?('matched '+(100*covered).toFixed(1)+'% of samples'):''});
      zoom(0)});
    })();
    """

    /// Writes what a person would notice into the page, for the headless browser test: charts
    /// with nothing drawn, text in a chart running into other text (tick labels, legend, title),
    /// flame graphs without frames, a flame graph title running into its sample count, and any
    /// error caught so far; with the charts' titles, so a test can tell which charts are there.
    static let selfCheck = """
    (function(){
    var problems=[],labels=[],charts=document.querySelectorAll('svg.chart'),flames=document.querySelectorAll('.flame');
    Array.prototype.forEach.call(charts,function(s){var label=s.getAttribute('aria-label');labels.push(label);
      if(!s.querySelector('.mark'))problems.push('chart with no drawn marks: '+label);
      var boxes=Array.prototype.map.call(s.querySelectorAll('text'),function(t){return {r:t.getBoundingClientRect(),t:t.textContent}})
        .filter(function(b){return b.r.width>0&&b.r.height>0});
      for(var i=0;i<boxes.length;i++)for(var j=i+1;j<boxes.length;j++){var a=boxes[i].r,b=boxes[j].r;
        if(Math.min(a.right,b.right)-Math.max(a.left,b.left)>1&&Math.min(a.bottom,b.bottom)-Math.max(a.top,b.top)>1)
          problems.push('overlapping text in chart '+label+': "'+boxes[i].t+'" and "'+boxes[j].t+'"')}});
    Array.prototype.forEach.call(flames,function(b){
      if(!b.querySelector('.fr'))problems.push('flame graph with no frames');
      var t=b.querySelector('.ftitle').getBoundingClientRect(),c=b.querySelector('.fcount').getBoundingClientRect();
      if(t.width>0&&c.width>0&&t.right>c.left+0.5&&t.left<c.right&&t.bottom>c.top&&t.top<c.bottom)problems.push('flame graph title overlaps its sample count: '+b.querySelector('.ftitle').textContent)});
    var out=document.createElement('pre');out.id='volley-selfcheck';out.hidden=true;
    out.textContent=JSON.stringify({charts:charts.length,labels:labels,flames:flames.length,problems:problems,errors:window.volleyErrors||[]});
    document.body.appendChild(out)})();
    """

    /// A table; columns in `numeric` are right-aligned; `rowClass` gives a row a class (PASS, FAIL).
    static func table(_ header: [String], _ rows: [[String]], numeric: Set<Int>, rowClass: ((Int) -> String?)? = nil,
                      cellClass: ((Int, Int) -> String?)? = nil) -> String {
        func cell(_ tag: String, _ r: Int, _ i: Int, _ text: String) -> String {
            var classes: [String] = []
            if numeric.contains(i) { classes.append("n") }
            if r >= 0, let extra = cellClass?(r, i) { classes.append(extra) }
            return "<\(tag)\(classes.isEmpty ? "" : " class=\"\(classes.joined(separator: " "))\"")>\(HTML.escape(text))</\(tag)>"
        }
        var out = "<div class=\"scroll\"><table><thead><tr>" + header.enumerated().map { cell("th", -1, $0, $1) }.joined() + "</tr></thead><tbody>\n"
        for (r, row) in rows.enumerated() {
            let cls = rowClass?(r).map { " class=\"\($0)\"" } ?? ""
            out += "<tr\(cls)>" + row.enumerated().map { cell("td", r, $0, $1) }.joined() + "</tr>\n"
        }
        return out + "</tbody></table></div>\n"
    }
}
