using System.Collections.Generic;
using System.Linq;
using System.Text;

namespace GraphDsl.Cli.Plots;

/// <summary>
/// A plain SVG 1.1 document built element by element: no library, nothing native (so it survives Native AOT), and
/// every text and attribute value escaped here, once (<see cref="Markup"/>). Coordinates are pixels from the top left.
/// The output is a standalone file (<see cref="ToDocument"/>) or an element to inline into HTML (<see cref="ToElement"/>).
/// </summary>
public sealed class SvgWriter
{
    private readonly StringBuilder _body = new();
    private int _depth = 1;

    public SvgWriter(double width, double height, string title)
    {
        Width = width; Height = height; Title = title;
    }

    public double Width { get; }
    public double Height { get; }
    public string Title { get; }

    /// <summary>Opens a group; attributes such as class or transform (values escaped).</summary>
    public SvgWriter Group(params (string Name, string Value)[] attributes)
    {
        Open("g", attributes, close: false);
        _depth++;
        return this;
    }

    public SvgWriter EndGroup()
    {
        _depth--;
        Line("</g>");
        return this;
    }

    public SvgWriter Rect(double x, double y, double w, double h, string fill, string? tooltip = null, string? cls = null) =>
        Shape("rect", new[] { ("x", Markup.Num(x)), ("y", Markup.Num(y)), ("width", Markup.Num(System.Math.Max(0, w))), ("height", Markup.Num(System.Math.Max(0, h))), ("fill", fill) }, tooltip, cls);

    public SvgWriter LineSegment(double x1, double y1, double x2, double y2, string stroke, double width = 1, string? dash = null, string? cls = null)
    {
        var a = new List<(string, string)> { ("x1", Markup.Num(x1)), ("y1", Markup.Num(y1)), ("x2", Markup.Num(x2)), ("y2", Markup.Num(y2)), ("stroke", stroke), ("stroke-width", Markup.Num(width)) };
        if (dash is not null) a.Add(("stroke-dasharray", dash));
        return Shape("line", a, null, cls);
    }

    public SvgWriter Polyline(IEnumerable<(double X, double Y)> points, string stroke, double width = 1.5, string? dash = null, string? cls = null)
    {
        var a = new List<(string, string)>
        {
            ("points", string.Join(" ", points.Select(p => Markup.Num(p.X) + "," + Markup.Num(p.Y)))),
            ("fill", "none"), ("stroke", stroke), ("stroke-width", Markup.Num(width)),
        };
        if (dash is not null) a.Add(("stroke-dasharray", dash));
        return Shape("polyline", a, null, cls);
    }

    public SvgWriter Circle(double cx, double cy, double r, string fill, string? stroke = null, string? tooltip = null, string? cls = null, double opacity = 1)
    {
        var a = new List<(string, string)> { ("cx", Markup.Num(cx)), ("cy", Markup.Num(cy)), ("r", Markup.Num(r)), ("fill", fill) };
        if (stroke is not null) { a.Add(("stroke", stroke)); a.Add(("stroke-width", "1.5")); }
        if (opacity < 1) a.Add(("fill-opacity", Markup.Num(opacity)));
        return Shape("circle", a, tooltip, cls);
    }

    /// <summary>Text at (x, y): anchor start, middle or end; rotate in degrees about (x, y).</summary>
    public SvgWriter Text(double x, double y, string text, string anchor = "start", double size = 12, string? weight = null, double rotate = 0, string fill = "#222", string? cls = null)
    {
        var a = new List<(string, string)> { ("x", Markup.Num(x)), ("y", Markup.Num(y)), ("font-size", Markup.Num(size)), ("fill", fill) };
        if (anchor != "start") a.Add(("text-anchor", anchor));
        if (weight is not null) a.Add(("font-weight", weight));
        if (rotate != 0) a.Add(("transform", $"rotate({Markup.Num(rotate)} {Markup.Num(x)} {Markup.Num(y)})"));
        if (cls is not null) a.Add(("class", cls));
        Indent();
        _body.Append("<text");
        Attributes(a);
        _body.Append('>').Append(Markup.Escape(text)).Append("</text>\n");
        return this;
    }

    /// <summary>Draws another picture's content here, moved by (<paramref name="dx"/>, <paramref name="dy"/>), in a group
    /// of class <paramref name="cls"/>: a panel of a picture of several. Its title and background are left out.</summary>
    public SvgWriter Embed(SvgWriter other, double dx, double dy, string cls)
    {
        Group(("class", cls), ("transform", $"translate({Markup.Num(dx)} {Markup.Num(dy)})"));
        var indent = new string(' ', 2 * (_depth - 1));
        foreach (var line in other._body.ToString().TrimEnd('\n').Split('\n'))
            _body.Append(indent).Append(line).Append('\n');
        return EndGroup();
    }

    /// <summary>The standalone file: XML declaration, namespace, size, a title (for screen readers and tab names) and a
    /// white background so the plot reads in dark viewers too.</summary>
    public string ToDocument() => "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n" + ToElement();

    /// <summary>The &lt;svg&gt; element alone, for inlining in HTML; <paramref name="id"/> names it for scripts and tests.</summary>
    public string ToElement(string? id = null)
    {
        var sb = new StringBuilder();
        sb.Append("<svg xmlns=\"http://www.w3.org/2000/svg\"");
        if (id is not null) sb.Append(" id=\"").Append(Markup.Escape(id)).Append('"');
        sb.Append(" width=\"").Append(Markup.Num(Width)).Append("\" height=\"").Append(Markup.Num(Height))
          .Append("\" viewBox=\"0 0 ").Append(Markup.Num(Width)).Append(' ').Append(Markup.Num(Height))
          .Append("\" font-family=\"Helvetica, Arial, sans-serif\" role=\"img\">\n");
        sb.Append("  <title>").Append(Markup.Escape(Title)).Append("</title>\n");
        sb.Append("  <rect x=\"0\" y=\"0\" width=\"").Append(Markup.Num(Width)).Append("\" height=\"").Append(Markup.Num(Height)).Append("\" fill=\"#ffffff\"/>\n");
        sb.Append(_body);
        sb.Append("</svg>\n");
        return sb.ToString();
    }

    private SvgWriter Shape(string name, IEnumerable<(string, string)> attributes, string? tooltip, string? cls)
    {
        var a = attributes.ToList();
        if (cls is not null) a.Add(("class", cls));
        if (tooltip is null) { Open(name, a, close: true); return this; }
        // A <title> child is the tooltip browsers show on hover.
        Open(name, a, close: false);
        _depth++;
        Line("<title>" + Markup.Escape(tooltip) + "</title>");
        _depth--;
        Line("</" + name + ">");
        return this;
    }

    private void Open(string name, IEnumerable<(string Name, string Value)> attributes, bool close)
    {
        Indent();
        _body.Append('<').Append(name);
        Attributes(attributes);
        _body.Append(close ? "/>\n" : ">\n");
    }

    private void Attributes(IEnumerable<(string Name, string Value)> attributes)
    {
        foreach (var (n, v) in attributes) _body.Append(' ').Append(n).Append("=\"").Append(Markup.Escape(v)).Append('"');
    }

    private void Line(string text) { Indent(); _body.Append(text).Append('\n'); }

    private void Indent() => _body.Append(' ', 2 * _depth);
}
