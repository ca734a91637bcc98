using Orleans.Runtime;

namespace Dynamo.Orleans.Grains.Placement;

/// <summary>
/// Worker grain keys: "{silo}/{device}", one activation per device per silo. The silo part is what the placement
/// director reads, so a worker's key says where it must live.
/// </summary>
public static class WorkerKeys
{
    public static string For(SiloAddress silo, string device) => $"{silo.ToParsableString()}/{device}";

    public static bool TryParse(string key, out SiloAddress? silo, out string device)
    {
        silo = null;
        device = "";
        int slash = key.LastIndexOf('/');
        if (slash <= 0) return false;
        try
        {
            silo = SiloAddress.FromParsableString(key[..slash]);
            device = key[(slash + 1)..];
            return true;
        }
        catch (FormatException)
        {
            return false;
        }
    }
}
