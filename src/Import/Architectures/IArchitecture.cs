using GraphDsl.Import.Writing;

namespace GraphDsl.Import.Architectures;

/// <summary>One family of Hugging Face architectures (the <c>architectures</c> names it maps) and how its config
/// becomes a spec. A mapping reads every field it understands through <see cref="Config.HfConfig"/> and declares the
/// ones that do not change the computation; anything else in the config stops the import.</summary>
public interface IArchitecture
{
    /// <summary>The <c>architectures</c> entries of config.json this family maps.</summary>
    string[] Names { get; }

    SpecDocument Map(ImportContext context);
}
