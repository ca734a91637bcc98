using Microsoft.Extensions.DependencyInjection;

namespace Dynamo.Orleans.Client;

public static class DynamoClientBuilderExtensions
{
    /// <summary>Registers <see cref="DynamoClient"/> on an Orleans client, as Orleans' own features are added.</summary>
    public static IClientBuilder AddDynamoClient(this IClientBuilder builder)
    {
        builder.Services.AddSingleton<DynamoClient>();
        return builder;
    }

    /// <summary>A <see cref="DynamoClient"/> over any grain factory (an <c>IClusterClient</c>, or a grain's own).</summary>
    public static DynamoClient Dynamo(this IGrainFactory grains) => new(grains);
}
