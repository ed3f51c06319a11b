namespace GraphDsl.Backends.Ilgpu.Runtime;

/// <summary>Where the kernels run: ILGPU's CPU accelerator (tests, CI) or the first CUDA GPU.</summary>
public enum BackendDevice { Cpu, Cuda }
