using System;
using System.IO;
using System.Text;
using GraphDsl.Backends.CostModel.Hardware;
using GraphDsl.Backends.CostModel.Validation;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// Inputs the fuzzers found (docs/robustness.md) that escaped the readers as exceptions other than their own,
/// i.e. GD0899 in the CLI. Each now gets the reader's error, which the CLI prints as GD0604 (hardware files)
/// or GD0801 (the measurement CSV), naming the file and the place.
/// </summary>
public class MalformedInputTests
{
    private const string NotUnicode = "a string that is not valid Unicode (invalid UTF-8, or an unpaired surrogate escape such as \\ud800)";

    private static HardwareFileException HardwareFails(byte[] json) =>
        Assert.Throws<HardwareFileException>(() => new HardwareCatalog().Add(new MemoryStream(json), "hw.json"));

    [Fact]
    public void A_hardware_string_of_invalid_utf8_is_a_hardware_file_error()
    {
        var json = Encoding.ASCII.GetBytes("{\"devices\": [{\"id\": \"gpu?\"}]}");
        json[Array.IndexOf(json, (byte)'?')] = 0xFF;
        Assert.Equal("hw.json: devices[0].id: " + NotUnicode, HardwareFails(json).Message);
    }

    [Fact]
    public void A_hardware_property_name_with_an_unpaired_surrogate_is_a_hardware_file_error() =>
        Assert.Equal("hw.json: devices[0]: a property name: " + NotUnicode,
            HardwareFails(Encoding.ASCII.GetBytes("{\"devices\": [{\"\\ud800\": 1}]}")).Message);

    private static InvalidDataException CsvFails(string text) =>
        Assert.Throws<InvalidDataException>(() => Measurement.Parse(text, "m.csv"));

    [Fact]
    public void An_empty_measurement_file_is_reported() =>
        Assert.Equal("m.csv: the file is empty; expected a header row naming the columns", CsvFails("").Message);

    private const string Header = "id,model,hardware,gpus,nodes,tp,pp,ep,dp,weights,kv,batch,prompt,output,metric,value,unit,engine,use,source,notes\n";

    [Fact]
    public void A_measured_value_that_is_not_a_number_names_its_row() =>
        Assert.Equal("m.csv: row 3: 'value' must be a number, found 'fast'", CsvFails(Header
            + "a,llama-2-7b,a100-sxm-80gb,1,1,1,1,1,1,bf16,bf16,1,5,200,decode_tokens_per_s,104.9,tokens/s,gpt-fast,C,s,\n"
            + "b,llama-2-7b,a100-sxm-80gb,1,1,1,1,1,1,bf16,bf16,1,5,200,decode_tokens_per_s,fast,tokens/s,gpt-fast,C,s,\n").Message);
}
