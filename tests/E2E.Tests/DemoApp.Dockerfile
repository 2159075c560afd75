# The demo .NET app the end-to-end tests profile (the TestKit target app: known hot paths and allocations).
FROM mcr.microsoft.com/dotnet/sdk:10.0 AS build
WORKDIR /src
COPY global.json Directory.Build.props Directory.Packages.props ./
COPY tests/TestKit/TargetApp/ tests/TestKit/TargetApp/
RUN dotnet publish tests/TestKit/TargetApp/Flamewatch.TestKit.TargetApp.csproj -c Release -o /app

FROM mcr.microsoft.com/dotnet/runtime:10.0
WORKDIR /app
COPY --from=build /app .
# A true 100 Hz sampler (hexadecimal milliseconds); see docs/sampling.md.
ENV DOTNET_EventPipeThreadSamplingRate=A
ENTRYPOINT ["dotnet", "Flamewatch.TestKit.TargetApp.dll"]
