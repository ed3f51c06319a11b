using System;
using System.IO;
using System.Text;
using GraphDsl.Backends.CostModel.Hardware;

namespace GraphDsl.Backends.CostModel.Tests;

/// <summary>
/// Inputs the fuzzers found (docs/robustness.md) that escaped the readers as exceptions other than their own,
/// i.e. GD0899 in the CLI. Each now gets the reader's error, which the CLI prints as GD0604 (hardware files),
/// naming the file and the place. (The measurement CSV's findings are covered by HostileNumberTests.)
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
}
