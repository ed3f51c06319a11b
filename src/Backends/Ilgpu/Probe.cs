namespace GraphDsl.Backends.Ilgpu;
internal static class Probe { }
