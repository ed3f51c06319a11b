using System;
using System.IO;
using System.Text;
using System.Text.Json;

namespace GraphDsl.Cli.Rendering;

/// <summary>Small helpers over Utf8JsonWriter so command outputs read as their JSON shape.</summary>
public static class Json
{
    public static string Write(Action<Utf8JsonWriter> body)
    {
        using var stream = new MemoryStream();
        using (var w = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true }))
        {
            w.WriteStartObject();
            body(w);
            w.WriteEndObject();
        }
        return Encoding.UTF8.GetString(stream.ToArray()) + "\n";
    }

    /// <summary>Integral values as integers, others with full precision; non-finite values as null.</summary>
    public static void Number(this Utf8JsonWriter w, string name, double v)
    {
        if (double.IsNaN(v) || double.IsInfinity(v)) w.WriteNull(name);
        else if (Math.Abs(v) < 9e15 && v == Math.Floor(v)) w.WriteNumber(name, (long)v);
        else w.WriteNumber(name, v);
    }

    public static void Object(this Utf8JsonWriter w, string name, Action body)
    {
        w.WriteStartObject(name);
        body();
        w.WriteEndObject();
    }
}
