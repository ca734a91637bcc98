namespace Dynamo.Orleans.Grains.Tests;
