Console.WriteLine("dynamo: commands arrive with the model runtime");
