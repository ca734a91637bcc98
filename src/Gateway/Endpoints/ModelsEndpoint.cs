using Dynamo.Orleans.Gateway.Errors;
using Dynamo.Orleans.Gateway.Protocol;
using Dynamo.Orleans.Workers;
using Dynamo.Orleans.Gateway.Serving;
using Microsoft.Extensions.Options;

namespace Dynamo.Orleans.Gateway.Endpoints;

/// <summary><c>GET /v1/models</c> and <c>GET /v1/models/{model}</c>: the one model the cluster serves.</summary>
public static class ModelsEndpoint
{
    /// <summary>OpenAI's <c>created</c> is when the model was published; here, when this gateway started.</summary>
    private static readonly long Started = DateTimeOffset.UtcNow.ToUnixTimeSeconds();

    public static async Task<IResult> List(FabricStatusCache fabric, IOptions<GatewayOptions> options)
    {
        var status = await fabric.GetAsync();
        return TypedResults.Json(new ModelList([Card(status, options.Value)]), GatewayJsonContext.Wire.ModelList);
    }

    public static async Task<IResult> Get(string model, FabricStatusCache fabric, IOptions<GatewayOptions> options)
    {
        var status = await fabric.GetAsync();
        if (model != status.Model) throw ApiError.ModelNotFound(model, status.Model);
        return TypedResults.Json(Card(status, options.Value), GatewayJsonContext.Wire.ModelCard);
    }

    private static ModelCard Card(FabricStatus status, GatewayOptions options) => new(status.Model, Started, options.OwnedBy, status.MaxModelLen);
}
