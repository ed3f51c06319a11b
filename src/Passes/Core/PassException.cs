namespace GraphDsl.Passes.Core;

/// <summary>Thrown by a pass that cannot apply (e.g. an illegal configuration); becomes GD0505 with this message.</summary>
public sealed class PassException : System.Exception
{
    public PassException(string message) : base(message) { }
}
