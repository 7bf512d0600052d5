import React from 'react';
import { SceneComponentProps, SceneObjectBase, SceneObjectState, sceneGraph } from '@grafana/scenes';

export interface PickerProps {
  dsUid: string;
  currency: string;
}

interface State extends SceneObjectState {
  component: React.ComponentType<PickerProps>;
}

/** A React part of a page (budgets, prices, recommendations) bound to the page's data source and currency pickers: it is mounted anew, with their values as props, whenever either changes. */
export class PickerBoundPart extends SceneObjectBase<State> {
  static Component = ({ model }: SceneComponentProps<PickerBoundPart>) => {
    const { component: Body } = model.useState();
    sceneGraph.getVariables(model).useState();
    const dsUid = sceneGraph.interpolate(model, '${ds}');
    const currency = sceneGraph.interpolate(model, '${currency}');
    return <Body key={`${dsUid}-${currency}`} dsUid={dsUid} currency={currency} />;
  };
}
