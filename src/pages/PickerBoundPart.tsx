import React from 'react';
import { SceneComponentProps, SceneObjectBase, SceneObjectState, sceneGraph } from '@grafana/scenes';

export interface DsBoundProps {
  dsUid: string;
  currency: string;
}

interface State extends SceneObjectState {
  component: React.ComponentType<DsBoundProps>;
}

/** Renders a React part of a page with the page's data source and currency pickers. */
export class DsBound extends SceneObjectBase<State> {
  static Component = ({ model }: SceneComponentProps<DsBound>) => {
    const { component: Body } = model.useState();
    sceneGraph.getVariables(model).useState();
    const dsUid = sceneGraph.interpolate(model, '${ds}');
    const currency = sceneGraph.interpolate(model, '${currency}');
    return <Body key={`${dsUid}-${currency}`} dsUid={dsUid} currency={currency} />;
  };
}
