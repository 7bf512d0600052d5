# Builds Costlens inside Docker, so `docker compose up` needs nothing else installed.

FROM node:22-bookworm AS frontend
WORKDIR /src
COPY package.json package-lock.json ./
RUN npm ci --no-audit --no-fund
COPY . .
RUN npm run build

FROM golang:1.26-bookworm AS backend
ARG TARGETOS=linux
ARG TARGETARCH=amd64
WORKDIR /src
COPY go.mod go.sum ./
RUN go mod download
COPY pkg ./pkg
# Grafana starts dist/datasource/<executable>_<os>_<arch> (src/datasource/plugin.json).
RUN CGO_ENABLED=0 GOOS=${TARGETOS} GOARCH=${TARGETARCH} go build -trimpath -ldflags "-s -w" \
      -o /out/gpx_costlens_datasource_${TARGETOS}_${TARGETARCH} ./pkg \
 && CGO_ENABLED=0 go build -trimpath -o /out/costlens-seed ./pkg/cmd/costlens-seed

FROM grafana/grafana:13.2.2 AS grafana
COPY --from=frontend /src/dist /var/lib/grafana/plugins/costlens-cost-app
COPY --from=backend /out/gpx_costlens_datasource_* /var/lib/grafana/plugins/costlens-cost-app/datasource/

FROM debian:bookworm-slim AS seed
COPY --from=backend /out/costlens-seed /usr/local/bin/costlens-seed
ENTRYPOINT ["costlens-seed"]
