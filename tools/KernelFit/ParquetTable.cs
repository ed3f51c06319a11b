using System;
using System.Collections.Generic;
using System.Globalization;
using System.Linq;
using System.Threading.Tasks;
using Parquet;
using Parquet.Schema;

namespace KernelFit;

/// <summary>A parquet file read whole into rows of strings by column name (the kernel tables are small).</summary>
public sealed class ParquetTable
{
    public IReadOnlyList<IReadOnlyDictionary<string, string>> Rows { get; }

    private ParquetTable(List<IReadOnlyDictionary<string, string>> rows) => Rows = rows;

    public static async Task<ParquetTable> ReadAsync(string path)
    {
        await using var reader = await ParquetReader.CreateAsync(path);
        var fields = reader.Schema.GetDataFields();
        var rows = new List<IReadOnlyDictionary<string, string>>();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var group = reader.OpenRowGroupReader(g);
            int n = (int)group.RowCount;
            var columns = new List<string[]>();
            foreach (var f in fields) columns.Add(await ReadColumn(group, f, n));
            for (int i = 0; i < n; i++)
            {
                var row = new Dictionary<string, string>(StringComparer.Ordinal);
                for (int c = 0; c < fields.Length; c++) row[fields[c].Name] = columns[c][i];
                rows.Add(row);
            }
        }
        return new ParquetTable(rows);
    }

    private static async Task<string[]> ReadColumn(ParquetRowGroupReader group, DataField f, int n)
    {
        var t = f.ClrType;
        if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>))
        {
            var s = new string?[n];
            await group.ReadAsync(f, s.AsMemory(), null, default);
            return s.Select(x => x ?? "").ToArray();
        }
        if (t == typeof(double)) return await Numbers<double>(group, f, n);
        if (t == typeof(float)) return await Numbers<float>(group, f, n);
        if (t == typeof(long)) return await Numbers<long>(group, f, n);
        if (t == typeof(int)) return await Numbers<int>(group, f, n);
        if (t == typeof(bool)) return await Numbers<bool>(group, f, n);
        throw new NotSupportedException($"column {f.Name}: type {t.Name}");
    }

    private static async Task<string[]> Numbers<T>(ParquetRowGroupReader group, DataField f, int n) where T : struct
    {
        static string Text(object v) => v is IFormattable x ? x.ToString(null, CultureInfo.InvariantCulture) : v.ToString()!;
        if (f.IsNullable)
        {
            var a = new T?[n];
            await group.ReadAsync<T>(f, a.AsMemory(), null, default);
            return a.Select(x => x.HasValue ? Text(x.Value) : "").ToArray();
        }
        var b = new T[n];
        await group.ReadAsync<T>(f, b.AsMemory(), null, default);
        return b.Select(x => Text(x)).ToArray();
    }
}
