// Command gpx_costlens_datasource is the Costlens data source backend that Grafana starts.
package main

import (
	"os"
	_ "time/tzdata" // day boundaries in any IANA zone, even where the host has no zoneinfo

	"github.com/grafana/grafana-plugin-sdk-go/backend/datasource"
	"github.com/grafana/grafana-plugin-sdk-go/backend/log"

	"github.com/costlens/costlens/pkg/plugin"
)

func main() {
	if err := datasource.Manage(plugin.PluginID, plugin.NewDatasource, datasource.ManageOpts{}); err != nil {
		log.DefaultLogger.Error(err.Error())
		os.Exit(1)
	}
}
